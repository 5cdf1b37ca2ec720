"""Safe model files: the value codec and save/load."""
