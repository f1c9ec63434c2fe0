"""The zone's working-day calendar at the edges: the holiday notices an administrator loads
(API and CLI). The calendar itself is core (``core.holidays``, ``core.workdays``).
"""
