"""Disaster recovery: an offline age key on paper, its coverage, drills and rotation.

The recovery key is generated in memory and handed to the caller; this package
never stores it anywhere by itself.
"""
