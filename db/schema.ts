import { sql } from 'drizzle-orm'
import { blob, index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Every timestamp is milliseconds since the epoch (UTC), stored as an integer.

/** PLN's organisation: Unit Induk (UID/UIW) → UP3 → ULP. */
export const units = sqliteTable('units', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  level: text('level', { enum: ['UID', 'UIW', 'UP3', 'ULP'] }).notNull(),
  parentCode: text('parent_code'),
  timeZone: text('time_zone').notNull().default('Asia/Jakarta'),
  /** The telephone area code of the unit's city ("021"): a mobile reaches 123 only as <area code>123. */
  areaCode: text('area_code'),
})

/**
 * Which unit serves a kelurahan (DESIGN §5 routing): a report with no genuine officer goes to the
 * unit of the place it names. Importable from CSV; the keys are the names normalised
 * (src/officers/areas.ts) so "Kel. Cikini" and "cikini" are one place.
 */
export const unitAreas = sqliteTable(
  'unit_areas',
  {
    kelurahan: text('kelurahan').notNull(),
    kecamatan: text('kecamatan').notNull(),
    city: text('city').notNull(),
    kelurahanKey: text('kelurahan_key').notNull(),
    kecamatanKey: text('kecamatan_key').notNull(),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
  },
  (t) => [uniqueIndex('unit_areas_place').on(t.kecamatanKey, t.kelurahanKey), index('unit_areas_kelurahan').on(t.kelurahanKey)],
)

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

export const signingKeys = sqliteTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    state: text('state', { enum: ['active', 'verify_only', 'retired', 'compromised'] }).notNull(),
    publicJwk: text('public_jwk').notNull(),
    /** AES-256-GCM ciphertext of the private JWK under the key-encryption key. */
    encryptedPrivateJwk: text('encrypted_private_jwk').notNull(),
    createdAt: integer('created_at').notNull(),
    stateChangedAt: integer('state_changed_at').notNull(),
  },
  // The server and the CLI may rotate at the same moment: the database, not our code, keeps it to one signer.
  (t) => [uniqueIndex('signing_keys_one_active').on(t.state).where(sql`state = 'active'`)],
)

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

/**
 * Token Status Lists (IETF OAuth Token Status List, DESIGN §12): each holds `capacity` two-bit
 * entries; credentials take random free indexes in the newest list until it is `fillLimit` full.
 */
export const statusLists = sqliteTable('status_lists', {
  /** Random, URL-safe: the list is served at /status/<id>. */
  id: text('id').primaryKey(),
  capacity: integer('capacity').notNull(),
  /** How many indexes are taken. */
  used: integer('used').notNull().default(0),
  createdAt: integer('created_at').notNull(),
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
    /** Key that signed the printed token (`printedTokenSealed`); live tokens may be signed by later keys too. */
    kid: text('kid').notNull(),
    /**
     * The long-lived token printed on the pass or badge, sealed under the KEK. Reprints show this
     * very token, so the key that vouches for it stays `kid`. Null for rows issued before it was kept.
     */
    printedTokenSealed: text('printed_token_sealed'),
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
    /** Its entry in a Token Status List (DESIGN §12): the list and a random index in it; null for credentials issued before step 11. */
    statusListId: text('status_list_id').references(() => statusLists.id),
    statusIdx: integer('status_idx'),
  },
  (t) => [
    uniqueIndex('credentials_short_code').on(t.shortCode),
    uniqueIndex('credentials_status_entry').on(t.statusListId, t.statusIdx),
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
    via: text('via', { enum: ['page', 'code', 'api', 'desk'] }).notNull(),
    /** Keyed hash of the client's network, to notice a pass checked from many places. */
    clientHash: text('client_hash'),
    scannedAt: integer('scanned_at').notNull(),
  },
  (t) => [
    index('scans_credential_time').on(t.credentialId, t.scannedAt),
    // Statistics count scans per day and verdict from this index alone (admin campaigns section);
    // it serves every lookup by time too, so each scan updates two indexes, not three.
    index('scans_time_verdict').on(t.scannedAt, t.verdict),
  ],
)

// ── Accounts and sessions (officer portal, admin console) ─────────────────────────────────────

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull(),
    /** argon2id PHC string. */
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['officer', 'supervisor', 'admin', 'cso'] }).notNull(),
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

// ---------------------------------------------------------------------------------------------
// Scam reports (DESIGN §5) and the outbox of the 123 channel.

export const REPORT_CATEGORIES = ['money', 'otp', 'ktp_photo', 'threat', 'apk_link', 'other'] as const
export const REPORT_STATUSES = ['new', 'in_review', 'forwarded', 'resolved_scam', 'resolved_genuine', 'rejected'] as const
/** How a report reached us: the household's own page, the JSON API, or a 123 agent on the phone. */
export const REPORT_CHANNELS = ['web', 'api', 'phone'] as const

export const reports = sqliteTable(
  'reports',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `LPR-` + 8 characters of Crockford base32. */
    ticket: text('ticket').notNull(),
    /** SHA-256 of the tracking key: only the reporter, who holds the key, sees the report. */
    trackingKeyHash: text('tracking_key_hash').notNull(),
    /**
     * What identifies a duplicate: the reported token or code, or the text of a report without
     * one. Duplicates from one network are grouped for triage, never merged: each household
     * keeps its own ticket and details.
     */
    foldKey: text('fold_key').notNull(),
    /** Keyed hash of the reporter's network (as in scans), for grouping duplicates. */
    clientHash: text('client_hash'),
    subjectKind: text('subject_kind', { enum: ['token', 'code'] }),
    /** SHA-256 of the token (as scans.token_hash) or of `code:<code>`; never the token itself. */
    subjectHash: text('subject_hash'),
    shortCode: text('short_code'),
    /** The verdict when the report was made; 'unavailable' when it could not be checked. */
    verdict: text('verdict'),
    /** Only when the verdict was valid: the genuine pass or badge and its officer. */
    credentialId: text('credential_id'),
    officerEmployeeNo: text('officer_employee_no'),
    /** JSON of the token's claims, decoded WITHOUT trusting them: for investigation only. */
    unverifiedClaims: text('unverified_claims'),
    /** The first of the household's answers to "Apa yang terjadi?" (all of them: reportCategories). */
    category: text('category', { enum: REPORT_CATEGORIES }),
    note: text('note'),
    /** +628… form. */
    phone: text('phone'),
    /** Typed kelurahan / desa. */
    location: text('location'),
    latitude: real('latitude'),
    longitude: real('longitude'),
    status: text('status', { enum: REPORT_STATUSES }).notNull().default('new'),
    channel: text('channel', { enum: REPORT_CHANNELS }).notNull().default('web'),
    /** For a report filed by phone: the username of the 123 agent who filed it for the caller. */
    filedBy: text('filed_by'),
    /**
     * The unit whose supervisors triage the report: the named officer's unit, else the unit the
     * reported place belongs to (unitAreas), else the unit the token claimed; null when none is known.
     */
    routedUnitCode: text('routed_unit_code'),
    /** Counts changes sent to the 123 channel, so a receiver can keep the newest. */
    revision: integer('revision').notNull().default(1),
    /** When the report reached a final status: the retention of its personal details runs from here. */
    closedAt: integer('closed_at'),
    /** The reporter asked to restrict processing (UU PDP): the details are kept but no longer shown or sent. */
    restrictedAt: integer('restricted_at'),
    /** When the phone, note and place were erased (by the reporter, or by the retention purge). */
    detailsErasedAt: integer('details_erased_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('reports_ticket').on(t.ticket),
    index('reports_fold').on(t.foldKey, t.createdAt),
    index('reports_time').on(t.createdAt),
    // One index per filter of the admin queue and its CSV export (src/reports/filters.ts), each
    // ending in created_at so a filtered page comes out in order without a sort.
    index('reports_status_time').on(t.status, t.createdAt),
    index('reports_verdict_time').on(t.verdict, t.createdAt),
    index('reports_category_time').on(t.category, t.createdAt),
    index('reports_officer_time').on(t.officerEmployeeNo, t.createdAt),
    index('reports_claimed_unit').on(sql`${t.unverifiedClaims} ->> 'unt'`),
    index('reports_routed_unit_time').on(t.routedUnitCode, t.createdAt),
  ],
)

/** Every answer to "Apa yang terjadi?" of a report: scams combine demands. */
export const reportCategories = sqliteTable(
  'report_categories',
  {
    reportId: integer('report_id')
      .notNull()
      .references(() => reports.id),
    category: text('category', { enum: REPORT_CATEGORIES }).notNull(),
  },
  (t) => [uniqueIndex('report_categories_pair').on(t.reportId, t.category), index('report_categories_category').on(t.category, t.reportId)],
)

/** The report's timeline; the reporter sees the rows marked visible. */
export const reportEvents = sqliteTable(
  'report_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    reportId: integer('report_id')
      .notNull()
      .references(() => reports.id),
    kind: text('kind', { enum: ['created', 'details_added', 'status_changed'] }).notNull(),
    /** For status_changed: the new status. */
    status: text('status', { enum: REPORT_STATUSES }),
    visibleToReporter: integer('visible_to_reporter', { mode: 'boolean' }).notNull().default(true),
    /** Who made the change: a username, or `channel123` for the contact centre's back-channel; null for the reporter. */
    actor: text('actor'),
    at: integer('at').notNull(),
  },
  (t) => [index('report_events_report').on(t.reportId, t.at)],
)

/**
 * Durable outbox of webhook deliveries (Standard Webhooks). A row is written in the same
 * transaction as the change it announces, and claimed with a lease before it is sent.
 */
export const outboxDeliveries = sqliteTable(
  'outbox_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `webhook-id`: stable across retries, the receiver's idempotency key. */
    webhookId: text('webhook_id').notNull(),
    /** Deliveries of one subject (a ticket) are sent in order. */
    subject: text('subject').notNull(),
    eventType: text('event_type').notNull(),
    /** The exact JSON body, frozen when enqueued. */
    payload: text('payload').notNull(),
    state: text('state', { enum: ['pending', 'delivered', 'dead'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    claimedUntil: integer('claimed_until').notNull().default(0),
    claimToken: text('claim_token'),
    firstAttemptAt: integer('first_attempt_at'),
    lastAttemptAt: integer('last_attempt_at'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
    deadAt: integer('dead_at'),
    /** When the retention purge emptied the delivered payload (its metadata stays). */
    payloadPurgedAt: integer('payload_purged_at'),
  },
  (t) => [
    uniqueIndex('outbox_webhook_id').on(t.webhookId),
    index('outbox_due').on(t.state, t.nextAttemptAt),
    index('outbox_subject').on(t.subject, t.state, t.id),
  ],
)

// ---------------------------------------------------------------------------------------------
// Audit log: append-only and hash-chained; each row is written in the transaction of its action.

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    /** Username, `cli`, or `system`. */
    actor: text('actor').notNull(),
    /** e.g. `pass.issued`, `officer.suspended`, `key.rotated`, `login.failed`. */
    action: text('action').notNull(),
    /** What it was done to, e.g. `pass:<jti>`, `officer:<employee no>`. */
    subject: text('subject').notNull(),
    /** JSON object of further facts; never a token, password or full ID pelanggan. */
    details: text('details').notNull(),
    prevHash: text('prev_hash').notNull(),
    /** SHA-256 over this row's fields and prevHash. */
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_at').on(t.at), index('audit_log_subject').on(t.subject), index('audit_log_actor_action').on(t.actor, t.action, t.at)],
)

/** Notes the triage team writes on a report; never shown to the household. */
export const reportNotes = sqliteTable(
  'report_notes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    reportId: integer('report_id')
      .notNull()
      .references(() => reports.id),
    author: text('author').notNull(),
    text: text('text').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('report_notes_report').on(t.reportId, t.at)],
)

// ---------------------------------------------------------------------------------------------
// Scam campaigns (admin console): reports are grouped automatically (src/reports/campaigns.ts);
// these tables keep only the decisions people made by hand on top of that grouping.

/** A merge: these two reports belong to one campaign, whatever the automatic rules say. */
export const campaignLinks = sqliteTable(
  'campaign_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    reportId: integer('report_id')
      .notNull()
      .references(() => reports.id),
    otherReportId: integer('other_report_id')
      .notNull()
      .references(() => reports.id),
    actor: text('actor').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('campaign_links_report').on(t.reportId), index('campaign_links_other').on(t.otherReportId)],
)

/** A split: this report joins no campaign automatically any more (only through a later merge). */
export const campaignExclusions = sqliteTable('campaign_exclusions', {
  reportId: integer('report_id')
    .primaryKey()
    .references(() => reports.id),
  actor: text('actor').notNull(),
  at: integer('at').notNull(),
})

/**
 * A door check (DESIGN §10.2): the household starts it on its own screen, a genuine officer
 * confirms its 6-digit code from the signed-in portal, and only then does the household's screen
 * show the officer. Expired is not stored: a waiting check past `expiresAt` is expired.
 */
export const doorChecks = sqliteTable(
  'door_checks',
  {
    /** 128-bit random, base64url: the household's page is /door/<id>. */
    id: text('id').primaryKey(),
    /** HMAC-SHA256 of the 6-digit code; the code itself is shown once and never stored. */
    codeHash: text('code_hash').notNull(),
    /** HMAC-SHA256 of the ID pelanggan the household typed, if it typed one. */
    customerHash: text('customer_hash'),
    state: text('state', { enum: ['waiting', 'confirmed'] }).notNull().default('waiting'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    confirmedAt: integer('confirmed_at'),
    /** The pass (jti) the officer confirmed with. */
    credentialId: text('credential_id').references(() => credentials.id),
    officerId: integer('officer_id').references(() => officers.id),
  },
  (t) => [index('door_checks_code').on(t.codeHash, t.expiresAt)],
)

/**
 * A household's visit password (DESIGN §10.3): a word every genuine visitor to it can say. Found
 * by the keyed hash of the ID pelanggan; the word is sealed under the KEK.
 */
export const visitPasswords = sqliteTable('visit_passwords', {
  customerHash: text('customer_hash').primaryKey(),
  wordSealed: text('word_sealed').notNull(),
  setAt: integer('set_at').notNull(),
  setBy: text('set_by').notNull(),
})

// ---------------------------------------------------------------------------------------------
// The 123 desk (DESIGN §11): API keys of the contact centre's CRM, and the back-channel's inbox.

/** An API key for `GET /api/v1/cso/lookup`. The key is shown once; only its SHA-256 is kept. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    /** `ak_` + 8 characters of Crockford base32: public, names the key in lists and the audit log. */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    scope: text('scope', { enum: ['cso'] }).notNull(),
    /** SHA-256 (hex) of the whole key. */
    keyHash: text('key_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (t) => [uniqueIndex('api_keys_hash').on(t.keyHash)],
)

/**
 * Every message the contact centre sent on the back-channel (POST /api/v1/channel123/events),
 * by its `webhook-id`: a message seen before changes nothing the second time.
 */
export const inboundEvents = sqliteTable('inbound_events', {
  webhookId: text('webhook_id').primaryKey(),
  type: text('type').notNull(),
  ticket: text('ticket'),
  /** What it did: `applied`, or why it changed nothing (`unchanged`, …). */
  outcome: text('outcome').notNull(),
  /** The HTTP status it was answered with, so a repeat gets the same answer. */
  httpStatus: integer('http_status').notNull(),
  receivedAt: integer('received_at').notNull(),
})

// ---------------------------------------------------------------------------------------------
// Audit checkpoints (DESIGN §13): the audit rows as an RFC 6962 Merkle tree, its signed heads,
// the public keys that signed them (the private key never enters the database), and what the
// witnesses said they took.

/** A signed checkpoint: the tree of the first `treeSize` audit rows. */
export const auditCheckpoints = sqliteTable('audit_checkpoints', {
  treeSize: integer('tree_size').primaryKey(),
  /** Base64 of the 32-byte Merkle tree hash, as in the checkpoint's third line. */
  rootHash: text('root_hash').notNull(),
  /** JSON array of the base64 roots of the tree's perfect subtrees, largest first: enough to extend it by later rows. */
  frontier: text('frontier').notNull(),
  /** The whole signed note (C2SP tlog-checkpoint + signed-note), exactly as served. */
  note: text('note').notNull(),
  keyId: text('key_id').notNull(),
  signedAt: integer('signed_at').notNull(),
})

/** Public halves of the checkpoint keys, current and rotated out, so old checkpoints stay checkable. */
export const auditSigningKeys = sqliteTable('audit_signing_keys', {
  /** The signed-note key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), hex. */
  keyId: text('key_id').primaryKey(),
  /** The note's key name (the log's origin line). */
  name: text('name').notNull(),
  /** Base64 of the 32-byte Ed25519 public key. */
  publicKey: text('public_key').notNull(),
  createdAt: integer('created_at').notNull(),
  retiredAt: integer('retired_at'),
})

/** A witness took a checkpoint: the 123 channel (its delivery) or AUDIT_WITNESS_URL (its answer, with a cosignature if it gave one). */
export const auditWitnessReceipts = sqliteTable(
  'audit_witness_receipts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    treeSize: integer('tree_size').notNull(),
    witness: text('witness').notNull(),
    cosignature: text('cosignature'),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [index('audit_witness_receipts_witness').on(t.witness, t.receivedAt)],
)
