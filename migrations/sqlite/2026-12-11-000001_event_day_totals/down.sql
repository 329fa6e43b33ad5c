DROP TABLE event_day_totals;
