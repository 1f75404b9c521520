"""The review app: a person goes through the doubtful cells of an output folder and corrects them."""
