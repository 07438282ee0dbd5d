import { defineConfig } from 'drizzle-kit'

// The PostgreSQL engine (step 14): its own schema mirror and migrations, next to SQLite's (drizzle.config.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema-pg.ts',
  out: './db/migrations-pg',
})
