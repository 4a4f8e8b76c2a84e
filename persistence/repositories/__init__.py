"""Repositories every capability shares: the audit log, the stream event log,
idempotency keys, and the batching helpers loaders use."""
