DROP INDEX "incidents_state_idx";--> statement-breakpoint
CREATE INDEX "incidents_state_idx" ON "incidents" USING btree ("state","id");