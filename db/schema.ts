import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Every timestamp is milliseconds since the epoch (UTC), stored as an integer.

/** PLN's organisation: Unit Induk (UID/UIW) → UP3 → ULP. */
export const units = sqliteTable('units', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  level: text('level', { enum: ['UID', 'UIW', 'UP3', 'ULP'] }).notNull(),
  parentCode: text('parent_code'),
  timeZone: text('time_zone').notNull().default('Asia/Jakarta'),
})

export const officers = sqliteTable(
  'officers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    employeeNo: text('employee_no').notNull(),
    name: text('name').notNull(),
    roleTitle: text('role_title').notNull(),
    /** 'PLN' for staff, otherwise the contractor (mitra) company's name. */
    employer: text('employer').notNull().default('PLN'),
    unitCode: text('unit_code').references(() => units.code),
    photoId: text('photo_id'),
    status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
    statusReason: text('status_reason'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('officers_employee_no').on(t.employeeNo)],
)

export const officerPhotos = sqliteTable('officer_photos', {
  id: text('id').primaryKey(),
  officerId: integer('officer_id')
    .notNull()
    .references(() => officers.id),
  contentType: text('content_type').notNull(),
  bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  createdAt: integer('created_at').notNull(),
})

export const signingKeys = sqliteTable('signing_keys', {
  kid: text('kid').primaryKey(),
  state: text('state', { enum: ['active', 'verify_only', 'retired', 'compromised'] }).notNull(),
  publicJwk: text('public_jwk').notNull(),
  /** AES-256-GCM ciphertext of the private JWK under the key-encryption key. */
  encryptedPrivateJwk: text('encrypted_private_jwk').notNull(),
  createdAt: integer('created_at').notNull(),
  stateChangedAt: integer('state_changed_at').notNull(),
})

/** Campaigns declared by an admin, inside which PEMADANAN_DATA may photograph a KTP. */
export const declaredCampaigns = sqliteTable('declared_campaigns', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  purpose: text('purpose').notNull(),
  name: text('name').notNull(),
  /** null: nationwide. */
  unitCode: text('unit_code').references(() => units.code),
  startsAt: integer('starts_at').notNull(),
  endsAt: integer('ends_at').notNull(),
})

/** Badges and visit passes. A visit pass's live QR re-mints tokens that all carry this id as `jti`. */
export const credentials = sqliteTable(
  'credentials',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['badge', 'visit_pass'] }).notNull(),
    officerId: integer('officer_id')
      .notNull()
      .references(() => officers.id),
    /** Short code for typing at /c/:code: 8 characters of Crockford base32 (40 bits). */
    shortCode: text('short_code').notNull(),
    /** Key that signed the printed token; live tokens may be signed by later keys too. */
    kid: text('kid').notNull(),
    purpose: text('purpose'),
    ktpPolicy: text('ktp_policy', { enum: ['none', 'view', 'photo'] }),
    /** HMAC-SHA256 of the 12-digit ID pelanggan; the number itself is never stored. */
    customerHash: text('customer_hash'),
    customerLast4: text('customer_last4'),
    workOrder: text('work_order'),
    windowStart: integer('window_start').notNull(),
    windowEnd: integer('window_end').notNull(),
    issuedAt: integer('issued_at').notNull(),
    issuedBy: text('issued_by').notNull(),
    revokedAt: integer('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [
    uniqueIndex('credentials_short_code').on(t.shortCode),
    index('credentials_officer_window').on(t.officerId, t.windowEnd),
    index('credentials_customer').on(t.customerHash),
  ],
)

export const scans = sqliteTable(
  'scans',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** SHA-256 of the token (or of the typed code); never the token itself. */
    tokenHash: text('token_hash').notNull(),
    credentialId: text('credential_id'),
    verdict: text('verdict').notNull(),
    via: text('via', { enum: ['page', 'code', 'api'] }).notNull(),
    /** Keyed hash of the client's network, to notice a pass checked from many places. */
    clientHash: text('client_hash'),
    scannedAt: integer('scanned_at').notNull(),
  },
  (t) => [
    index('scans_credential_time').on(t.credentialId, t.scannedAt),
    index('scans_time').on(t.scannedAt),
  ],
)

/** One row per (visit pass, client network): how many different places checked a pass lately. */
export const scanPlaces = sqliteTable(
  'scan_places',
  {
    credentialId: text('credential_id').notNull(),
    clientHash: text('client_hash').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.credentialId, t.clientHash] })],
)

// ── Accounts and sessions (officer portal, admin console) ─────────────────────────────────────

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull(),
    /** argon2id PHC string. */
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['officer', 'supervisor', 'admin'] }).notNull(),
    officerId: integer('officer_id').references(() => officers.id),
    disabledAt: integer('disabled_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('users_username').on(t.username)],
)

export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 of the session token; the token itself lives only in the cookie. */
    idHash: text('id_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
)
