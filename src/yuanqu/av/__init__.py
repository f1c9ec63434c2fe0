"""The autonomous-driving demonstration zone (自动驾驶示范区): test subjects' vehicles, permits by
stage, monthly kilometres, disengagements, incidents, open roads and the annual road-test report."""
