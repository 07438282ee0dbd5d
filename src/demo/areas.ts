import type { Transaction } from '../../db/client.ts'
import { saveAreasWithin } from '../officers/areas.ts'

const place = (city: string, kecamatan: string, unitCode: string, kelurahan: string[]) => kelurahan.map((name) => ({ kelurahan: name, kecamatan, city, unitCode }))

/**
 * Real kelurahan and desa of the demo units' areas, so a report that only names a place
 * ("Jl. Cikini Raya 12, Menteng") reaches that unit's supervisors. A full list is imported with
 * `npm run cli -- area import <file.csv>`.
 */
export const DEMO_AREAS = [
  ...place('Kota Jakarta Pusat', 'Menteng', 'ULP-CKN', ['Menteng', 'Pegangsaan', 'Cikini', 'Gondangdia', 'Kebon Sirih']),
  ...place('Kabupaten Brebes', 'Jatibarang', 'ULP-JTB', ['Jatibarang Kidul', 'Jatibarang Lor', 'Kebogadung', 'Klampis', 'Kalialang']),
  ...place('Kota Mataram', 'Ampenan', 'ULP-AMP', ['Ampenan Selatan', 'Ampenan Tengah', 'Ampenan Utara', 'Banjar', 'Bintaro', 'Dayan Peken', 'Kebon Sari', 'Pejarakan Karya', 'Pejeruk', 'Taman Sari']),
]

/** Adds the demo areas (after the demo units, in the same transaction); again changes nothing. */
export async function seedDemoAreas(tx: Transaction): Promise<void> {
  await saveAreasWithin(tx, DEMO_AREAS)
}
