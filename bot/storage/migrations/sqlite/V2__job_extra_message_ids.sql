-- A result split over several messages (over 10 images or 25 MiB): the ids of the messages
-- after the first, so the Delete button can remove the whole result.
ALTER TABLE jobs ADD COLUMN extra_message_ids JSON NOT NULL DEFAULT '[]';
