"""Operations: backups and restores (`flask backup …`)."""
