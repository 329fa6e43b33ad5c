DROP TABLE material_licences;
DROP TABLE licences;
