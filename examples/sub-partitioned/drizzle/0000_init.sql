-- drizzle-partitions: partitioned DDL added
CREATE TABLE "metrics" (
	"tenant_id" integer NOT NULL,
	"day" date NOT NULL,
	"value" integer NOT NULL,
	CONSTRAINT "metrics_tenant_id_day_pk" PRIMARY KEY("tenant_id","day")
) PARTITION BY RANGE ("day");
--> statement-breakpoint
CREATE TABLE "metrics_p20260101" PARTITION OF "metrics" FOR VALUES FROM ('2026-01-01') TO ('2026-02-01') PARTITION BY HASH ("tenant_id");--> statement-breakpoint
CREATE TABLE "metrics_p20260101_h4_0" PARTITION OF "metrics_p20260101" FOR VALUES WITH (MODULUS 4, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "metrics_p20260101_h4_1" PARTITION OF "metrics_p20260101" FOR VALUES WITH (MODULUS 4, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "metrics_p20260101_h4_2" PARTITION OF "metrics_p20260101" FOR VALUES WITH (MODULUS 4, REMAINDER 2);--> statement-breakpoint
CREATE TABLE "metrics_p20260101_h4_3" PARTITION OF "metrics_p20260101" FOR VALUES WITH (MODULUS 4, REMAINDER 3);--> statement-breakpoint
CREATE TABLE "metrics_p20260201" PARTITION OF "metrics" FOR VALUES FROM ('2026-02-01') TO ('2026-03-01') PARTITION BY HASH ("tenant_id");--> statement-breakpoint
CREATE TABLE "metrics_p20260201_h4_0" PARTITION OF "metrics_p20260201" FOR VALUES WITH (MODULUS 4, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "metrics_p20260201_h4_1" PARTITION OF "metrics_p20260201" FOR VALUES WITH (MODULUS 4, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "metrics_p20260201_h4_2" PARTITION OF "metrics_p20260201" FOR VALUES WITH (MODULUS 4, REMAINDER 2);--> statement-breakpoint
CREATE TABLE "metrics_p20260201_h4_3" PARTITION OF "metrics_p20260201" FOR VALUES WITH (MODULUS 4, REMAINDER 3);