"""The recruiter web workspace: pages over the pipeline, the candidates and the outbox. It has no models."""
