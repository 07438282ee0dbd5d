import { setVisitPassword } from '../households/visit-passwords.ts'
import { count } from 'drizzle-orm'
import { units } from '../../db/schema.ts'
import {
  addOfficerWithin,
  addUnit,
  findOfficer,
  reactivateOfficer,
  setOfficerPhotoWithin,
  suspendOfficer,
  type NewOfficer,
  type NewUnit,
} from '../officers/officers.ts'
import type { IssuedCredential } from '../passes/credential-records.ts'
import { issueBadge, issueVisitPass } from '../passes/passes.ts'
import type { Services } from '../services.ts'
import { verifyPassword } from '../auth/passwords.ts'
import { createUser, findUserByUsername, setUserDisabled } from '../auth/users.ts'
import { generateAvatarPng } from './avatar.ts'
import { seedDemoAreas } from './areas.ts'

// Area codes are the real ones (a mobile needs one before 123); Jakarta has one for the whole Unit Induk,
// so its UP3 and ULP inherit it, while Jawa Tengah and NTB span several and set it lower down.
const DEMO_UNITS: NewUnit[] = [
  { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' },
  { code: 'UP3-TGL', name: 'UP3 Tegal', level: 'UP3', parentCode: 'UID-JTY', areaCode: '0283' },
  { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UP3-TGL', areaCode: '0283' },
  { code: 'UID-JKT', name: 'UID Jakarta Raya', level: 'UID', areaCode: '021' },
  { code: 'UP3-MTG', name: 'UP3 Menteng', level: 'UP3', parentCode: 'UID-JKT' },
  { code: 'ULP-CKN', name: 'ULP Cikini', level: 'ULP', parentCode: 'UP3-MTG' },
  { code: 'UIW-NTB', name: 'UIW Nusa Tenggara Barat', level: 'UIW', timeZone: 'Asia/Makassar' },
  { code: 'UP3-MTR', name: 'UP3 Mataram', level: 'UP3', parentCode: 'UIW-NTB', timeZone: 'Asia/Makassar', areaCode: '0370' },
  { code: 'ULP-AMP', name: 'ULP Ampenan', level: 'ULP', parentCode: 'UP3-MTR', timeZone: 'Asia/Makassar', areaCode: '0370' },
]

export const DEMO_OFFICERS: NewOfficer[] = [
  { employeeNo: '9015234A', name: 'Siti Rahmawati', roleTitle: 'Tim P2TL', employer: 'PLN', unitCode: 'ULP-CKN' },
  { employeeNo: 'MDN-04417', name: 'Budi Santoso', roleTitle: 'Petugas Catat Meter', employer: 'PT Mitra Daya Nusantara', unitCode: 'ULP-JTB' },
  { employeeNo: 'CTM-22810', name: 'Agus Wibowo', roleTitle: 'Pelayanan Teknik (Yantek)', employer: 'PT Cahaya Teknik Mandiri', unitCode: 'ULP-CKN' },
  { employeeNo: '8610123Z', name: 'I Made Suartana', roleTitle: 'Petugas Pelayanan Pelanggan', employer: 'PLN', unitCode: 'ULP-AMP' },
  { employeeNo: 'MDN-03902', name: 'Rudi Hartono', roleTitle: 'Petugas Catat Meter', employer: 'PT Mitra Daya Nusantara', unitCode: 'ULP-JTB' },
  { employeeNo: 'SPV-MTG-01', name: 'Hendra Gunawan', roleTitle: 'Supervisor Pelayanan Teknik', employer: 'PLN', unitCode: 'UP3-MTG' },
]

/** The demo household's ID pelanggan (fictional). */
export const DEMO_CUSTOMER_ID = '532100012345'
/** The demo household's visit password (DESIGN §10.3). */
export const DEMO_VISIT_PASSWORD = 'melati'

export interface DemoCredentials {
  pass: IssuedCredential
  badge: IssuedCredential
  suspendedPass: IssuedCredential
}

/** Demo sign-ins, printed at every non-production start. Never created in production. */
export const DEMO_LOGINS = [
  { username: 'siti', password: 'demo-petugas-2026', role: 'officer', officerEmployeeNo: '9015234A', what: 'officer Siti Rahmawati (ULP Cikini)' },
  { username: 'spv.menteng', password: 'demo-supervisor-2026', role: 'supervisor', officerEmployeeNo: 'SPV-MTG-01', what: 'supervisor of UP3 Menteng' },
  { username: 'admin', password: 'demo-admin-2026!', role: 'admin', officerEmployeeNo: null, what: 'admin (everything)' },
  { username: 'agen123', password: 'demo-agen123-2026', role: 'cso', officerEmployeeNo: null, what: 'PLN 123 agent (the desk at /cso)' },
] as const

/** Fills an empty database with a small unit tree, officers with generated photos, and demo sign-ins. */
export async function seedDemoData(services: Services): Promise<boolean> {
  const { db, clock } = services
  const [existing] = await db.select({ n: count() }).from(units)
  if ((existing?.n ?? 0) > 0) return false
  await db.transaction(async (tx) => {
    for (const unit of DEMO_UNITS) await addUnit(tx, unit)
    await seedDemoAreas(tx)
    for (const [index, input] of DEMO_OFFICERS.entries()) {
      const officer = await addOfficerWithin(tx, clock, { ...input, actor: 'demo' })
      await setOfficerPhotoWithin(tx, clock, officer.id, { contentType: 'image/png', bytes: generateAvatarPng(index), actor: 'demo' })
    }
  })
  for (const login of DEMO_LOGINS) await createUser(db, clock, login)
  // Siti's demo pass is for this household, so her live page shows the word and a matched check asks for it.
  await setVisitPassword(services, { customerId: DEMO_CUSTOMER_ID, word: DEMO_VISIT_PASSWORD, actor: 'demo' })
  return true
}

/**
 * Demo sign-ins left by an earlier start on loopback still open with their published passwords.
 * A server reachable from the network disables every one that does, even the last admin: a
 * published admin password is worse than none. Returns the usernames it disabled.
 */
export async function disablePublishedDemoLogins(services: Services): Promise<string[]> {
  const { db, clock } = services
  const disabled: string[] = []
  for (const login of DEMO_LOGINS) {
    const user = await findUserByUsername(db, login.username)
    if (!user || user.disabledAt !== null) continue
    if (!(await verifyPassword(user.passwordHash, login.password, { userId: user.id }))) continue
    await setUserDisabled(db, clock, user.username, true, 'demo', { evenLastAdmin: true })
    disabled.push(user.username)
  }
  return disabled
}

/** Fresh demo credentials for this start: a visit pass, a badge, and a pass of a suspended officer. */
export async function issueDemoCredentials(services: Services): Promise<DemoCredentials> {
  const [siti, budi, , , rudi] = DEMO_OFFICERS as [NewOfficer, NewOfficer, NewOfficer, NewOfficer, NewOfficer]
  const now = services.clock.now()
  const pass = await issueVisitPass(services, {
    officerEmployeeNo: siti.employeeNo,
    customerId: DEMO_CUSTOMER_ID,
    purpose: 'P2TL',
    workOrder: 'P2TL/CKN/2026/0142',
    windowStart: now,
    windowEnd: now + 8 * 3600 * 1000,
    issuedBy: 'demo',
  })
  const badge = await issueBadge(services, { officerEmployeeNo: budi.employeeNo, issuedBy: 'demo' })
  // Rudi is suspended; reactivate him just long enough to show what his old pass looks like now.
  if ((await findOfficer(services.db, rudi.employeeNo))?.status === 'suspended') await reactivateOfficer(services.db, services.clock, rudi.employeeNo, { actor: 'demo' })
  const suspendedPass = await issueVisitPass(services, {
    officerEmployeeNo: rudi.employeeNo,
    customerId: DEMO_CUSTOMER_ID,
    purpose: 'CATAT_METER',
    issuedBy: 'demo',
  })
  await suspendOfficer(services.db, services.clock, rudi.employeeNo, { reason: 'Demo: menjual meter secara ilegal', actor: 'demo' })
  return { pass, badge, suspendedPass }
}
