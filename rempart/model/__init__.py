"""The learned model: features, training, calibration, honest evaluation, safe loading, drift check.

``rempart.model.artifact.LearnedModel`` is the engine's ``ScoreModel``; ``rempart.model.train`` makes
one (``rempart train``); ``rempart.model.drift`` tells when to retrain (``rempart model check``).
The shipped artifact and its card are in ``rempart/model/artifact/``.
"""
