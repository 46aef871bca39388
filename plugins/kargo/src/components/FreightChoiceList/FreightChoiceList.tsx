import { ReactNode } from 'react';
import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import Typography from '@material-ui/core/Typography';
import { FreightRecord } from '@kargo-portal/plugin-kargo-common';
import { FreightLabel } from '../FreightLabel';
import { RelativeTime } from '../RelativeTime';

/** A freight to choose, with a note (e.g. "current", "approved") and whether it may be chosen. */
export interface FreightChoice {
  freight: FreightRecord;
  note?: ReactNode;
  disabled?: boolean;
}

/** A radio list of freight, newest first, with "Load more" for the next page. */
export function FreightChoiceList(props: {
  label: string;
  choices: FreightChoice[];
  value?: string;
  onChange: (id: string) => void;
  hasMore?: boolean;
  loadingMore?: boolean;
  onLoadMore?: () => void;
}) {
  return (
    <>
      <RadioGroup
        aria-label={props.label}
        name="freight"
        value={props.value ?? ''}
        onChange={e => props.onChange(e.target.value)}
      >
        {props.choices.map(({ freight, note, disabled }) => (
          <FormControlLabel
            key={freight.id}
            value={freight.id}
            disabled={disabled}
            control={<Radio size="small" />}
            label={
              <span>
                <FreightLabel freight={freight} />
                <Typography
                  variant="caption"
                  color="textSecondary"
                  component="span"
                >
                  {' · '}
                  created <RelativeTime value={freight.createdAt} />
                  {note ? ' · ' : ''}
                  {note}
                </Typography>
              </span>
            }
          />
        ))}
      </RadioGroup>
      {props.hasMore && (
        <Button
          size="small"
          onClick={props.onLoadMore}
          disabled={props.loadingMore}
        >
          Load more
        </Button>
      )}
    </>
  );
}
