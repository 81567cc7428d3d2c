"""Tests of the sample-series batch runner."""
