/**
 * How many rows match a paged list, over all pages: known from the page itself (`offset` plus the
 * rows it holds) unless the page is full or starts past the last row, and only then counted — so
 * most requests of a short list make one query, not two.
 */
export async function pageTotal(
  page: { limit: number; offset: number },
  rows: number,
  count: () => Promise<number | string | bigint>,
): Promise<number> {
  if (rows < page.limit && (rows > 0 || page.offset === 0)) return page.offset + rows;
  return Number(await count());
}
