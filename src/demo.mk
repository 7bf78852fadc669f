## (demo area: files are added here as they land)
