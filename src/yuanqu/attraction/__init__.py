"""Investment attraction (招商): task forces, their members and industries, and leads."""
