/** Scale-run member ids sort in numeric order: m-00000 leads, then m-00001, … */
export function memberId(index: number): string {
  return `m-${String(index).padStart(5, '0')}`;
}
