CREATE TABLE "stats_daily" (
	"day" date NOT NULL,
	"path" text NOT NULL,
	"grid_code" text NOT NULL,
	"department_code" text NOT NULL,
	"category_code" text NOT NULL,
	"source" text NOT NULL,
	"reported" integer DEFAULT 0 NOT NULL,
	"filed" integer DEFAULT 0 NOT NULL,
	"filed_on_time" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"dispatched" integer DEFAULT 0 NOT NULL,
	"returned" integer DEFAULT 0 NOT NULL,
	"resolved" integer DEFAULT 0 NOT NULL,
	"resolved_on_time" integer DEFAULT 0 NOT NULL,
	"closed" integer DEFAULT 0 NOT NULL,
	"self_resolved" integer DEFAULT 0 NOT NULL,
	"reworked" integer DEFAULT 0 NOT NULL,
	"extensions_requested" integer DEFAULT 0 NOT NULL,
	"overdue_open" integer DEFAULT 0 NOT NULL,
	"checkins" integer DEFAULT 0 NOT NULL,
	"resolution_minutes" double precision[] NOT NULL,
	"reported_by_hour" integer[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stats_days" (
	"day" date PRIMARY KEY NOT NULL,
	"last_event_id" bigint NOT NULL,
	"built_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stats_overdue" (
	"day" date NOT NULL,
	"incident_id" bigint NOT NULL,
	"path" text NOT NULL,
	"grid_code" text NOT NULL,
	"category_code" text NOT NULL,
	"department_code" text,
	"reported_at" timestamp with time zone NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"overdue_since" timestamp with time zone,
	"state" text NOT NULL,
	CONSTRAINT "stats_overdue_day_incident_id_pk" PRIMARY KEY("day","incident_id")
);
--> statement-breakpoint
CREATE INDEX "stats_daily_day_path_idx" ON "stats_daily" USING btree ("day","path" text_pattern_ops);