-- The prompt a chat model rewrote for the job (`enhance`), so `/job` shows it beside the
-- member's. NULL when the prompt was not enhanced; `/forgetme` clears it with the prompt.
ALTER TABLE jobs ADD COLUMN enhanced_prompt TEXT;
