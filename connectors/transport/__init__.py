"""What every source's client shares on the wire: one concern per module.

- ``session``: the backoff ``Retry``, the retrying ``requests`` session, ``send`` and
  ``raise_for_answer`` (an answer or a failed request as our typed error).
- ``classify``: how an error answer, a request that got no answer, or a success
  we cannot parse becomes a ``SourceError``; a source adds an ``AnswerHooks``.
- ``counting``: every request a read sent, resends included, as the source counts them.
- ``scrub``: secrets and anything shaped like a credential out of a message.
- ``paging``: cursor and offset paginators.

Nothing is imported here: ``connectors.registry`` loads the sources' settings,
which use ``scrub``, and must not load ``requests`` with them.
"""
