-- drizzle-partitions: partitioned DDL added
CREATE TABLE "sessions" (
	"user_id" bigint NOT NULL,
	"token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sessions_user_id_token_pk" PRIMARY KEY("user_id","token")
) PARTITION BY HASH ("user_id");
--> statement-breakpoint
CREATE TABLE "sessions_h8_0" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "sessions_h8_1" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "sessions_h8_2" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 2);--> statement-breakpoint
CREATE TABLE "sessions_h8_3" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 3);--> statement-breakpoint
CREATE TABLE "sessions_h8_4" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 4);--> statement-breakpoint
CREATE TABLE "sessions_h8_5" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 5);--> statement-breakpoint
CREATE TABLE "sessions_h8_6" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 6);--> statement-breakpoint
CREATE TABLE "sessions_h8_7" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 8, REMAINDER 7);