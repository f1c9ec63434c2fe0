"""Key projects (重点项目): stages, the seven batches, and the lists closed item by item."""
