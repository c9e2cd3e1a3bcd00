"""The classroom experiment's lessons: data sets with a leak built in, and what it takes to show it.

Plain engine code (no Django). :mod:`.lessons` declares each lesson in words (light: the web
lists them); :mod:`.material` generates its files, its showcase cases and its hidden clean test
set; :mod:`.scoring` measures a fitted pipeline on that clean set.
"""
