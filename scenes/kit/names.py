"""What the two sides are called on screen."""

CLUSTER_NAME = "LUMI"
LAPTOP_NAME = "Laptop"
