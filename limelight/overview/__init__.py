"""The whole model at a glance (issue 27): global importance, dependence, where the model is wrong,
fairness by group, and the standalone HTML report. Plain engine code: no Django.

:mod:`.build` puts the sections together; :mod:`.report` writes the one-file report.
"""
