/** True when `e` is a Node system error with this code (ENOENT, EPERM, ...). */
export function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
