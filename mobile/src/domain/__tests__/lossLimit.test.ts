import { parseLossLimit } from '../lossLimit';

describe('parseLossLimit', () => {
  it.each([
    ['5000', '5000'],
    ['5000.5', '5000.5'],
    ['5000.50', '5000.50'],
    [' 250.05 ', '250.05'],
    ['0.01', '0.01'],
  ])('takes %j, sending %j', (text, limit) => {
    expect(parseLossLimit(text)).toEqual({ ok: true, limit });
  });

  it.each([
    ['', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['  ', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['-5000', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['+5000', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['5,000', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['₹5000', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['5000.', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['.50', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['1e4', 'Enter the limit in rupees, like 5000 or 5000.50.'],
    ['5000.505', 'The limit can have at most 2 decimals.'],
    ['5000.000', 'The limit can have at most 2 decimals.'],
    ['0', 'The limit must be more than zero.'],
    ['0.00', 'The limit must be more than zero.'],
  ])('refuses %j', (text, error) => {
    expect(parseLossLimit(text)).toEqual({ ok: false, error });
  });
});
