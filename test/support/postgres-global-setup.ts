import type { TestProject } from 'vitest/node'
import { startThrowawayPostgres, type ThrowawayPostgres } from './postgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tests' PostgreSQL server (TEST_POSTGRES_URL, or a throwaway cluster started for this run). */
    postgresUrl: string
  }
}

let cluster: ThrowawayPostgres | undefined

/** One PostgreSQL server for the whole run; each test makes its own database on it. */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.TEST_POSTGRES_URL) {
    project.provide('postgresUrl', process.env.TEST_POSTGRES_URL)
    return
  }
  cluster = await startThrowawayPostgres()
  process.env.TEST_POSTGRES_URL = cluster.url
  project.provide('postgresUrl', cluster.url)
}

export function teardown(): void {
  cluster?.stop()
}
