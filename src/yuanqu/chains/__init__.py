"""Industry chains (产业链图谱): definitions, placement of firms on segments, coverage, gaps."""
