import { offsetInput, parseExitOffset, type OffsetMode } from '../exitOffset';
import { formFieldFor, NSE_RULES } from '../validateStrategy';

const tick = NSE_RULES.tickPaise;
const parse = (text: string, mode: OffsetMode) => parseExitOffset({ text, mode }, 'target', tick);

describe('parseExitOffset', () => {
  it('leaves an empty input unset, so nothing is sent', () => {
    expect(parse('', 'points')).toEqual({ ok: true, offset: undefined });
    expect(parse('  ', 'percent')).toEqual({ ok: true, offset: undefined });
  });

  it.each([
    ['25.5', '25.50'],
    ['25', '25.00'],
    [' 0.05 ', '0.05'],
    ['10.000', '10.00'],
  ])('takes points %j as rupees %j', (text, offset) => {
    expect(parse(text, 'points')).toEqual({ ok: true, offset });
  });

  it.each([
    ['1.5', '1.5%'],
    ['1.5%', '1.5%'],
    ['2', '2%'],
    ['2.00', '2%'],
    ['0.05', '0.05%'],
    ['100', '100%'],
  ])('keeps per cent %j as the percentage %j, not a price', (text, offset) => {
    expect(parse(text, 'percent')).toEqual({ ok: true, offset });
  });

  it.each([
    ['0', 'The target must be more than zero.'],
    ['25.03', 'The target must be a multiple of ₹0.05.'],
    ['25.505', 'The target can have at most 2 decimals.'],
    ['-5', 'Enter the target in rupees like 25 or 25.50.'],
    ['abc', 'Enter the target in rupees like 25 or 25.50.'],
    ['1.5%', 'Target in points is rupees: choose % for a percentage.'],
    ['9999999999999', 'The target is too large.'],
  ])('refuses points %j', (text, error) => {
    expect(parse(text, 'points')).toEqual({ ok: false, error });
  });

  it.each([
    ['0', 'The target must be more than 0% and at most 100%.'],
    ['100.01', 'The target must be more than 0% and at most 100%.'],
    ['1.234', 'The percentage can have at most 2 decimals.'],
    ['-1', 'Enter the target as a percentage like 1 or 1.5.'],
    ['%', 'Enter the target as a percentage like 1 or 1.5.'],
  ])('refuses per cent %j', (text, error) => {
    expect(parse(text, 'percent')).toEqual({ ok: false, error });
  });

  it('names the exit in its messages', () => {
    expect(parseExitOffset({ text: '0', mode: 'points' }, 'trailing stop', tick)).toEqual({
      ok: false,
      error: 'The trailing stop must be more than zero.',
    });
  });
});

describe('offsetInput', () => {
  it("turns the server's text back into an input, in its mode", () => {
    expect(offsetInput('25.50')).toEqual({ text: '25.50', mode: 'points' });
    expect(offsetInput('1.5%')).toEqual({ text: '1.5', mode: 'percent' });
    expect(offsetInput(null)).toEqual({ text: '', mode: 'points' });
  });
});

describe('formFieldFor', () => {
  it("maps the server's exit fields to their inputs", () => {
    expect(formFieldFor('target')).toBe('target');
    expect(formFieldFor('trailing_stop')).toBe('trailingStop');
  });
});
