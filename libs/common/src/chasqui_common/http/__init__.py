"""HTTP plumbing shared by every service API."""
