"""SPBE Platform: Indonesia's electronic government (Perpres 95/2018) in one system.

Modules, from the bottom up (a module imports only those below it):
``core`` → ``registry`` → ``identity`` → ``interop`` → ``evaluation`` | ``portal`` → ``app`` | ``cli``.
"""

__version__ = "0.1.0"
