DROP TABLE one_time_tokens;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE user_departments;
DROP TABLE users;
