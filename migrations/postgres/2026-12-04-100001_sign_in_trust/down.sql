DROP TABLE sign_in_trust;
