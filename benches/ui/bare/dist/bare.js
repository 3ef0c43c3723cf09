// The reference page's only behaviour: choosing a status swaps the table's rows for a static page
// of that many rows, synchronously, marking the table busy meanwhile as the desk does.
const PAGE = 100;
const select = document.querySelector('select[aria-label="Status"]');
const table = document.querySelector('table[aria-label="Cases"]');
const body = table.querySelector('tbody');

function row(index, status) {
  const tr = document.createElement('tr');
  const cells = [
    `Customer ${String(index).padStart(6, '0')}`,
    'standard',
    status.replaceAll('_', ' '),
    `Requester ${index}`,
    'Email',
    `${index + 1} min ago`,
  ];
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

select.addEventListener('change', () => {
  table.setAttribute('aria-busy', 'true');
  const status = select.value || 'received';
  const offset = select.value === 'in_progress' ? 1 : 0;
  const rows = [];
  for (let i = 0; i < PAGE; i++) rows.push(row(2 * i + offset, status));
  body.replaceChildren(...rows);
  table.setAttribute('aria-busy', 'false');
});
