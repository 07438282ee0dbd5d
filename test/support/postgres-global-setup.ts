import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openPostgres } from '../../db/postgres.ts'
import { startThrowawayPostgres, TEMPLATE_DATABASE, TEST_ENGINE, type ThrowawayPostgres } from './postgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tests' PostgreSQL server (TEST_POSTGRES_URL, or a throwaway cluster started for this run). */
    postgresUrl: string
  }
}

let cluster: ThrowawayPostgres | undefined

/**
 * One PostgreSQL server for the whole run; each test makes its own database on it. With
 * TEST_DATABASE=postgres it also holds the migrated template every test database is copied from
 * (a copy takes a fraction of a second, running the migrations several).
 */
export async function setup(project: TestProject): Promise<void> {
  let url = process.env.TEST_POSTGRES_URL
  if (!url) {
    cluster = await startThrowawayPostgres()
    url = cluster.url
    process.env.TEST_POSTGRES_URL = url
  }
  project.provide('postgresUrl', url)
  if (TEST_ENGINE === 'postgres') await createTemplateDatabase(url)
}

export function teardown(): void {
  cluster?.stop()
}

async function createTemplateDatabase(serverUrl: string): Promise<void> {
  const client = new pg.Client(serverUrl)
  await client.connect()
  try {
    // A server named by TEST_POSTGRES_URL may still hold the template of an earlier run, at older migrations.
    await client.query(`drop database if exists "${TEMPLATE_DATABASE}"`)
    await client.query(`create database "${TEMPLATE_DATABASE}"`)
  } finally {
    await client.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${TEMPLATE_DATABASE}`
  const db = await openPostgres(url.toString(), { poolSize: 1, statementTimeoutMs: 60_000 })
  await db.close()
}
