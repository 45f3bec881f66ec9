"""The desktop app: the only package that imports Qt.

The window, its worker thread and panels arrive with the desktop-app issue; until then
`gradsim` with no command says so and the engine, API and command line work on their own.
"""
