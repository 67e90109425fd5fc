"""The base layer: small rules every app shares and no app owns.

Fiscal years and their era names, numbering (①②…), reading typed numbers,
writing numbers, cleaning text. Nothing here imports Django models or any app.
"""
