-- QĐ 766's monthly publication names the officials who caused delays (plan task II.10): the
-- official holding a dossier when it became late, as one-stop systems record it. Optional (null:
-- the publication lists units only); a contract extension, documented in README.md
-- ("The QĐ 766 estimate") with the other columns of the input contract.
ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS late_official text NULL;
COMMENT ON COLUMN dossiers.late_official IS 'the official holding the dossier when it became late (QĐ 766 publication); null: not recorded';
