"""Measuring detection on labelled mail: metrics, label files, the eval runner."""
