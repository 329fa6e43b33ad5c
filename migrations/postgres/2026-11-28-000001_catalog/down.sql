DROP TABLE service_materials;
DROP TABLE services;
DROP TABLE items;
DROP TABLE departments;
