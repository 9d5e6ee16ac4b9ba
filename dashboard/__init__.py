"""City gas-safety command center."""
