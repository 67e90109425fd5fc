"""Page builders for the public site, one module a page (plan, measure, measure list, report,
department, archive), built from the shared parts in parts.py.

Each loads what one page shows in a bounded number of queries, whatever the plan's size,
and hands it over ready to print. Views parse input, call one builder, render.
"""
