"""Sites: the halls, 便民服务中心 and self-service points one central serves.
Their configuration (business types, counters, hours, which matters each
handles) lives in the database and changes at runtime."""
