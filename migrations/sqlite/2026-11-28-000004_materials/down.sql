DROP TABLE material_pledges;
DROP TABLE application_files;
