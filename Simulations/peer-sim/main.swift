print("peer-sim")
